// A core header that reaches up into the router: check_layers must refuse it.
#pragma once

#include <ruvllm/router/model.h>
