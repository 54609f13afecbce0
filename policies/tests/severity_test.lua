-- Tests for policies/severity.lua: every row of seed 000's P0-P3 table on both sides of each
-- boundary, the sample-size guard, the cache guard, and "healthy means nil".

-- the healthy snapshot with some fields replaced (nested tables replaced whole)
local function healthy_with(patch)
  local m = fixture("metrics_healthy.json")
  for k, v in pairs(patch) do
    m[k] = deep_copy(v)
  end
  return m
end

-- a memory table: used_percent is what the criteria read; the process's RSS and the cache's
-- bytes are other readings under their own names
local function mem(used_percent)
  return { used_percent = used_percent, process_rss_bytes = 188743680, cache_bytes = 2400000 }
end

-- c.patch applied to the healthy snapshot must classify as c.severity with exactly c.reasons
local function run_case(c)
  local result = classify(healthy_with(c.patch))
  expect_eq(result, { severity = c.severity, reasons = c.reasons or {} })
end

function test_healthy_snapshot_is_not_an_incident()
  local result = classify(fixture("metrics_healthy.json"))
  expect_nil(result.severity)
  expect_eq(result.reasons, {})
end

test_error_rate_boundaries = cases {
  { name = "0.0499 below P3", patch = { error_rate = 0.0499 } },
  { name = "0.05 is P3", patch = { error_rate = 0.05 }, severity = "P3", reasons = { "error rate 5.0% >= 5%" } },
  { name = "0.0999 still P3", patch = { error_rate = 0.0999 }, severity = "P3", reasons = { "error rate 9.99% >= 5%" } },
  { name = "0.10 is P2", patch = { error_rate = 0.10 }, severity = "P2", reasons = { "error rate 10.0% >= 10%" } },
  { name = "0.25 still P2", patch = { error_rate = 0.25 }, severity = "P2", reasons = { "error rate 25.0% >= 10%" } },
  { name = "0.2501 is P1", patch = { error_rate = 0.2501 }, severity = "P1", reasons = { "error rate 25.01% > 25%" } },
  run = run_case,
}

test_latency_boundaries = cases {
  { name = "1999 ms below P3", patch = { avg_response_ms = 1999 } },
  { name = "2000 ms is P3", patch = { avg_response_ms = 2000 }, severity = "P3", reasons = { "avg response 2000 ms >= 2000 ms" } },
  { name = "2999 ms still P3", patch = { avg_response_ms = 2999 }, severity = "P3", reasons = { "avg response 2999 ms >= 2000 ms" } },
  { name = "3000 ms is P2", patch = { avg_response_ms = 3000 }, severity = "P2", reasons = { "avg response 3000 ms >= 3000 ms" } },
  { name = "10000 ms still P2", patch = { avg_response_ms = 10000 }, severity = "P2", reasons = { "avg response 10000 ms >= 3000 ms" } },
  { name = "10001 ms is P1", patch = { avg_response_ms = 10001 }, severity = "P1", reasons = { "avg response 10001 ms > 10000 ms" } },
  { name = "fractional ms shown", patch = { avg_response_ms = 2999.5 }, severity = "P3", reasons = { "avg response 2999.5 ms >= 2000 ms" } },
  run = run_case,
}

-- a ratio over fewer than 20 lookups says nothing (the first 11 messages of a fresh server
-- once paged a P3 from it)
test_cache_lookup_guard = cases {
  { name = "19 lookups: a 0% ratio is ignored", patch = { cache_hit_ratio = 0.0, cache_lookups = 19 } },
  { name = "20 lookups: a 0% ratio counts", patch = { cache_hit_ratio = 0.0, cache_lookups = 20 }, severity = "P2", reasons = { "cache hit ratio 0.0% < 30%" } },
  { name = "lookups absent: ignored", patch = { cache_hit_ratio = 0.1, cache_lookups = "absent" } },
  run = function(c)
    local m = fixture("metrics_healthy.json")
    for k, v in pairs(c.patch) do
      m[k] = v
    end
    if m.cache_lookups == "absent" then
      m.cache_lookups = nil
    end
    local result = classify(m)
    expect_eq(result.severity, c.severity)
    expect_eq(result.reasons, c.reasons or {})
  end,
}

test_cache_hit_boundaries = cases {
  { name = "0.2999 is P2", patch = { cache_hit_ratio = 0.2999 }, severity = "P2", reasons = { "cache hit ratio 29.99% < 30%" } },
  { name = "0.30 is P3", patch = { cache_hit_ratio = 0.30 }, severity = "P3", reasons = { "cache hit ratio 30.0% < 50%" } },
  { name = "0.4999 still P3", patch = { cache_hit_ratio = 0.4999 }, severity = "P3", reasons = { "cache hit ratio 49.99% < 50%" } },
  { name = "0.50 is healthy", patch = { cache_hit_ratio = 0.50 } },
  {
    name = "ignored while persistent sessions are off",
    patch = { cache_hit_ratio = 0.05, persistent_sessions = { enabled = false, failing = false } },
  },
  run = run_case,
}

function test_absent_cache_hit_ratio_is_ignored()
  -- absent = no cache traffic in the window; not a 0% hit ratio
  local m = fixture("metrics_healthy.json")
  m.cache_hit_ratio = nil
  expect_eq(classify(m), { reasons = {} })
end

test_memory_boundaries = cases {
  { name = "74.9 below P3", patch = { memory = mem(74.9) } },
  { name = "75 is P3", patch = { memory = mem(75) }, severity = "P3", reasons = { "memory 75.0% >= 75%" } },
  { name = "84.9 still P3", patch = { memory = mem(84.9) }, severity = "P3", reasons = { "memory 84.9% >= 75%" } },
  { name = "85 is P2", patch = { memory = mem(85) }, severity = "P2", reasons = { "memory 85.0% >= 85%" } },
  { name = "95 still P2", patch = { memory = mem(95) }, severity = "P2", reasons = { "memory 95.0% >= 85%" } },
  { name = "95.1 is P1", patch = { memory = mem(95.1) }, severity = "P1", reasons = { "memory 95.1% > 95%" } },
  {
    name = "a huge process RSS is not memory in use",
    patch = { memory = { used_percent = 40, process_rss_bytes = 68719476736, cache_bytes = 0 } },
  },
  { name = "an unreadable reading is skipped", patch = { memory = { process_rss_bytes = 188743680 } } },
  run = run_case,
}

test_sample_size_guard = cases {
  { name = "9 requests: 50% errors ignored", patch = { requests = 9, error_rate = 0.5 } },
  { name = "9 requests: slow average ignored", patch = { requests = 9, avg_response_ms = 20000 } },
  {
    name = "10 requests: error rate counts",
    patch = { requests = 10, error_rate = 0.5 },
    severity = "P1",
    reasons = { "error rate 50.0% > 25%" },
  },
  {
    name = "10 requests: latency counts",
    patch = { requests = 10, avg_response_ms = 20000 },
    severity = "P1",
    reasons = { "avg response 20000 ms > 10000 ms" },
  },
  { name = "no traffic at all", patch = { requests = 0, error_rate = 1.0, avg_response_ms = 60000 } },
  {
    name = "memory needs no traffic",
    patch = { requests = 0, memory = mem(97) },
    severity = "P1",
    reasons = { "memory 97.0% > 95%" },
  },
  run = run_case,
}

test_components = cases {
  { name = "database degraded is P2", patch = { database = { status = "degraded" } }, severity = "P2", reasons = { "database degraded" } },
  { name = "database unhealthy is P0", patch = { database = { status = "unhealthy" } }, severity = "P0", reasons = { "database unhealthy" } },
  {
    name = "AI unavailable is P2 (seed 004)",
    patch = { ai = { status = "unavailable" } },
    severity = "P2",
    reasons = { "AI provider unavailable (third-party integration failure)" },
  },
  {
    name = "AI unavailable needs no minimum",
    patch = { ai = { status = "unavailable", requests = 0, failures = 0 } },
    severity = "P2",
    reasons = { "AI provider unavailable (third-party integration failure)" },
  },
  {
    name = "persistent sessions failing is P1",
    patch = { persistent_sessions = { enabled = true, failing = true } },
    severity = "P1",
    reasons = { "persistent sessions failing" },
  },
  { name = "failing while disabled is not an incident", patch = { persistent_sessions = { enabled = false, failing = true } } },
  { name = "unreachable is P0", patch = { reachable = false }, severity = "P0", reasons = { "health endpoint unreachable" } },
  run = run_case,
}

-- "AI provider degraded" (P3) needs AI_MIN_REQUESTS = 10 requests in the window or a failed probe
test_ai_degraded_evidence = cases {
  {
    name = "9 requests below the minimum: not an incident",
    patch = { ai = { status = "degraded", requests = 9, failures = 9, probe = "ok" } },
  },
  {
    name = "10 requests at the minimum: P3 with the counts",
    patch = { ai = { status = "degraded", requests = 10, failures = 1 } },
    severity = "P3",
    reasons = { "AI provider degraded: 1 of 10 requests failed" },
  },
  {
    name = "the outside probe's case: one failed stream of 3 requests",
    patch = { ai = { status = "degraded", requests = 3, failures = 1 } },
  },
  {
    name = "a failed probe is enough without traffic",
    patch = { ai = { status = "degraded", requests = 0, failures = 0, probe = "failed" } },
    severity = "P3",
    reasons = { "AI provider degraded: health probe failed" },
  },
  { name = "counts absent (hand-written input): not enough evidence", patch = { ai = { status = "degraded" } } },
  run = run_case,
}

test_worst_level_wins_with_all_its_reasons = cases {
  {
    name = "P1 lists every P1 criterion, not the P3 ones",
    patch = {
      error_rate = 0.31,
      memory = mem(96),
      avg_response_ms = 2500,
      ai = { status = "degraded", requests = 40, failures = 12 },
    },
    severity = "P1",
    reasons = { "error rate 31.0% > 25%", "memory 96.0% > 95%" },
  },
  {
    name = "P2 from three sources",
    patch = { error_rate = 0.12, cache_hit_ratio = 0.2, database = { status = "degraded" } },
    severity = "P2",
    reasons = { "error rate 12.0% >= 10%", "cache hit ratio 20.0% < 30%", "database degraded" },
  },
  {
    name = "P0 beats P1",
    patch = { reachable = false, memory = mem(99) },
    severity = "P0",
    reasons = { "health endpoint unreachable" },
  },
  run = run_case,
}

function test_unreachable_fixture_with_missing_numbers()
  -- the host sends null (absent) numbers when it could not collect them
  expect_decision(classify(fixture("metrics_unreachable.json")), {
    severity = "P0",
    reasons = { "health endpoint unreachable", "database unhealthy" },
  })
end

function test_error_spike_fixture()
  expect_eq(classify(fixture("metrics_error_spike.json")), {
    severity = "P1",
    reasons = { "error rate 31.0% > 25%" },
  })
end

function test_memory_crisis_fixture()
  expect_eq(classify(fixture("metrics_memory_crisis.json")).severity, "P1")
end
