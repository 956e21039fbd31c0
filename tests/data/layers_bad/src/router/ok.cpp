// A router source that includes a sibling-free lower subsystem: allowed.
#include <ruvllm/core/bad.h>
