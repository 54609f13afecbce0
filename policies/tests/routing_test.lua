-- Tests for policies/routing.lua: the requested model first; a cheap model first for short,
-- plain prompts to an `auto` model; fallbacks on other providers after; failing providers
-- (breaker open, or an error rate above the limit on enough requests) tried last.

local MODELS = {
  { name = "gemini-flash", provider = "gemini", model = "gemini-2.5-flash", aliases = { "fast" }, tags = { "fallback" } },
  { name = "gpt-4o", provider = "openai", model = "gpt-4o", aliases = {}, tags = { "auto" } },
  { name = "gpt-4o-mini", provider = "openai", model = "gpt-4o-mini", aliases = {}, tags = { "cheap" } },
  { name = "llama", provider = "local", model = "llama3.2", aliases = {}, tags = { "fallback" } },
  { name = "o3", provider = "openai", model = "o3", aliases = {}, tags = { "fallback" } },
}

local function model(name)
  for _, m in ipairs(MODELS) do
    if m.name == name then
      return m
    end
  end
  error("no model " .. name)
end

local function healthy()
  return { type = "openai", breaker = "closed", status = "healthy", requests = 50, failures = 0, error_rate = 0.0 }
end

local function req(name, overrides)
  local r = {
    tenant = "acme",
    route = "v1",
    model = name,
    resolved = model(name),
    estimated_prompt_tokens = 1000,
    needs_tools = false,
    needs_json = false,
    stream = false,
    bucket = 17,
    providers = { gemini = healthy(), openai = healthy(), ["local"] = healthy() },
    models = MODELS,
  }
  for k, v in pairs(overrides or {}) do
    r[k] = v
  end
  return r
end

local GEMINI = { provider = "gemini", model = "gemini-2.5-flash" }
local GPT4O = { provider = "openai", model = "gpt-4o" }
local MINI = { provider = "openai", model = "gpt-4o-mini" }
local LLAMA = { provider = "local", model = "llama3.2" }

test_requested_model_first_then_fallbacks_on_other_providers = cases {
  {
    name = "a fallback model itself: the other providers' fallbacks follow",
    input = req("gemini-flash"),
    want = { GEMINI, LLAMA, { provider = "openai", model = "o3" } },
  },
  {
    name = "gpt-4o: fallbacks on gemini and local, not o3 on its own provider",
    input = req("gpt-4o"),
    want = { GPT4O, GEMINI, LLAMA },
  },
  run = function(c)
    local got = route(c.input)
    expect_eq(got.targets, c.want)
    expect_eq(got.reason, "requested model " .. c.input.resolved.name)
  end,
}

test_cheap_model_for_short_plain_prompts = cases {
  {
    name = "short prompt to an auto model: the cheap one first",
    input = req("gpt-4o", { estimated_prompt_tokens = 120 }),
    want = { MINI, GPT4O, GEMINI, LLAMA },
    reason = "short prompt (120 tokens): cheap model gpt-4o-mini first",
  },
  {
    name = "exactly SHORT_PROMPT_TOKENS is still short",
    input = req("gpt-4o", { estimated_prompt_tokens = 400 }),
    want = { MINI, GPT4O, GEMINI, LLAMA },
    reason = "short prompt (400 tokens): cheap model gpt-4o-mini first",
  },
  {
    name = "one token more is not",
    input = req("gpt-4o", { estimated_prompt_tokens = 401 }),
    want = { GPT4O, GEMINI, LLAMA },
    reason = "requested model gpt-4o",
  },
  {
    name = "tools need the requested model",
    input = req("gpt-4o", { estimated_prompt_tokens = 50, needs_tools = true }),
    want = { GPT4O, GEMINI, LLAMA },
    reason = "requested model gpt-4o",
  },
  {
    name = "JSON output needs the requested model",
    input = req("gpt-4o", { estimated_prompt_tokens = 50, needs_json = true }),
    want = { GPT4O, GEMINI, LLAMA },
    reason = "requested model gpt-4o",
  },
  {
    name = "a model without `auto` is never swapped",
    input = req("gemini-flash", { estimated_prompt_tokens = 50 }),
    want = { GEMINI, LLAMA, { provider = "openai", model = "o3" } },
    reason = "requested model gemini-flash",
  },
  run = function(c)
    local got = route(c.input)
    expect_eq(got.targets, c.want)
    expect_eq(got.reason, c.reason)
  end,
}

function test_cheap_model_on_a_failing_provider_is_not_chosen()
  local providers = { gemini = healthy(), openai = healthy(), ["local"] = healthy() }
  local mini_elsewhere = deep_copy(MODELS)
  mini_elsewhere[3].provider = "local"
  providers["local"].breaker = "open"
  local got = route(req("gpt-4o", { estimated_prompt_tokens = 50, providers = providers, models = mini_elsewhere }))
  expect_eq(got.targets, { GPT4O, GEMINI, LLAMA })
  expect_eq(got.reason, "requested model gpt-4o")
end

test_failing_provider_goes_last = cases {
  {
    name = "breaker open",
    openai = { breaker = "open", requests = 0, failures = 0, error_rate = 0.0 },
    want = { GEMINI, LLAMA, GPT4O },
    reason = "requested model gpt-4o; provider openai is failing, tried last",
  },
  {
    name = "error rate above the limit on enough requests",
    openai = { breaker = "closed", requests = 10, failures = 6, error_rate = 0.6 },
    want = { GEMINI, LLAMA, GPT4O },
    reason = "requested model gpt-4o; provider openai is failing, tried last",
  },
  {
    name = "exactly at the limit is not failing",
    openai = { breaker = "closed", requests = 10, failures = 5, error_rate = 0.5 },
    want = { GPT4O, GEMINI, LLAMA },
    reason = "requested model gpt-4o",
  },
  {
    name = "too few requests to judge",
    openai = { breaker = "closed", requests = 9, failures = 9, error_rate = 1.0 },
    want = { GPT4O, GEMINI, LLAMA },
    reason = "requested model gpt-4o",
  },
  run = function(c)
    local providers = { gemini = healthy(), openai = c.openai, ["local"] = healthy() }
    local got = route(req("gpt-4o", { providers = providers }))
    expect_eq(got.targets, c.want)
    expect_eq(got.reason, c.reason)
  end,
}

function test_a_failing_fallback_moves_behind_healthy_ones_without_blaming_the_primary()
  local providers = { gemini = healthy(), openai = healthy(), ["local"] = healthy() }
  providers.gemini.breaker = "open"
  local got = route(req("gpt-4o", { providers = providers }))
  expect_eq(got.targets, { GPT4O, LLAMA, GEMINI })
  expect_eq(got.reason, "requested model gpt-4o")
end

function test_everything_failing_keeps_the_order()
  local down = { breaker = "open", requests = 0, failures = 0, error_rate = 0.0 }
  local got = route(req("gpt-4o", { providers = { gemini = down, openai = down, ["local"] = down } }))
  expect_eq(got.targets, { GPT4O, GEMINI, LLAMA })
end

function test_a_provider_missing_from_the_health_table_counts_as_healthy()
  local got = route(req("gpt-4o", { providers = {} }))
  expect_eq(got.targets, { GPT4O, GEMINI, LLAMA })
end

function test_a_catalogue_of_one_model_routes_to_it()
  local only = { { name = "solo", provider = "p", model = "solo-1", aliases = { "*" }, tags = {} } }
  local got = route({ resolved = only[1], models = only, providers = {}, estimated_prompt_tokens = 1 })
  expect_eq(got, { targets = { { provider = "p", model = "solo-1" } }, reason = "requested model solo" })
end
