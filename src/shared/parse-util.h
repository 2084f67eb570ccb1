/* SPDX-License-Identifier: MIT */
/*
 * Small parsers for the values people type: durations, rates, percentages, counts.
 * Pure. Each returns 0 and writes *ret only on success, else -EINVAL (malformed) or
 * -ERANGE (does not fit). Leading/trailing garbage is an error; no locale dependence.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* "40" (seconds), "40s", "500ms", "250us", "10ns", "1.5s", "2m" (minutes). unit_required makes
 * a bare number an error (used for link delays, where tc's bare unit differs from ours). */
int parse_duration_ns(const char *s, bool unit_required, uint64_t *ret);

/* tc's rate units, in bits per second: "bit" "kbit" "mbit" "gbit" "tbit" (SI, 1000), "kibit"
 * "mibit" "gibit" "tibit" (1024), "bps" "kbps" "mbps" "gbps" "tbps" (bytes per second, SI),
 * "kibps"... (bytes, 1024). Case-insensitive. A unit is required. Decimal fractions allowed
 * ("1.5mbit"). 0 is -ERANGE. */
int parse_rate_bps(const char *s, uint64_t *ret);

/* "20%", "0.5%", "100%" -> probability scaled so that 100% is UINT32_MAX, rounded to nearest,
 * as netem expects. The % sign is required; > 100% is -ERANGE. */
int parse_percent(const char *s, uint32_t *ret);

/* Decimal unsigned integer in [min, max]; no sign, no leading '+', no empty string. */
int parse_uint32(const char *s, uint32_t min, uint32_t max, uint32_t *ret);
int parse_uint64(const char *s, uint64_t *ret);
