#pragma once
// The whole public API of braid in one include.
#include <braid/error.hpp>
#include <braid/json.hpp>
#include <braid/message.hpp>
#include <braid/observe.hpp>
#include <braid/progress.hpp>
#include <braid/registry.hpp>
#include <braid/runtime.hpp>
#include <braid/spec.hpp>
#include <braid/stats.hpp>
#include <braid/trace.hpp>
#include <braid/value.hpp>
#include <braid/version.hpp>
