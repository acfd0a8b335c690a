// Thread count shared by every kernel. Kernels open at most one OpenMP parallel region
// each, with num_threads(cnn::num_threads()): the setting is global rather than an
// OpenMP ICV because ICVs belong to the calling thread and compute runs on worker threads.
#pragma once

namespace cnn {
int num_threads();
void set_num_threads(int n);  // clamps to [1, 256]
int max_hardware_threads();
// Inside a parallel region: this thread's index in the team and the team's size (0 and 1
// outside one, or without OpenMP).
int thread_id();
int team_size();
}  // namespace cnn
