-- Tests for policies/admission.lua: no limits admits everything, each limit at its boundary
-- (exactly at the limit is admitted, one over is refused), the reason naming the limit, the
-- retry-after taken from the host (and the longest wait when several are exceeded), and a
-- request larger than a limit itself.

local function req(tenant, prompt, usage)
  return {
    tenant = tenant or "acme",
    route = "v1",
    endpoint = "chat.completions",
    model = "gpt-4o-mini",
    estimated_prompt_tokens = prompt or 100,
    usage = usage or { rpm = { used = 0 }, tpm = { used = 0 }, tpd = { used = 0 } },
  }
end

test_no_limits_admits_everything = cases {
  { name = "nothing used", input = req() },
  {
    name = "heavy use without limits",
    input = req("globex", 1000000, { rpm = { used = 5000 }, tpm = { used = 9000000 }, tpd = { used = 90000000 } }),
  },
  { name = "usage absent", input = { tenant = "acme", route = "sessions", estimated_prompt_tokens = 5 } },
  run = function(c)
    expect_eq(admit(c.input), { allow = true, reason = "within limits" })
  end,
}

test_each_limit_at_its_boundary = cases {
  {
    name = "rpm: the 60th request of 60 is admitted",
    usage = { rpm = { used = 59, limit = 60 }, tpm = { used = 0 }, tpd = { used = 0 } },
    want = { allow = true },
  },
  {
    name = "rpm: the 61st is refused",
    usage = { rpm = { used = 60, limit = 60, retry_after_seconds = 7 }, tpm = { used = 0 }, tpd = { used = 0 } },
    want = {
      allow = false,
      retry_after_seconds = 7,
      reason = "rpm: tenant acme used 60 of 60 requests per minute, this request needs 1",
    },
  },
  {
    name = "tpm: exactly at the limit is admitted",
    usage = { rpm = { used = 0 }, tpm = { used = 900, limit = 1000 }, tpd = { used = 900 } },
    want = { allow = true },
  },
  {
    name = "tpm: one token over is refused",
    usage = { rpm = { used = 0 }, tpm = { used = 901, limit = 1000, retry_after_seconds = 42 }, tpd = { used = 901 } },
    want = {
      allow = false,
      retry_after_seconds = 42,
      reason = "tpm: tenant acme used 901 of 1000 tokens per minute, this request needs 100",
    },
  },
  {
    name = "tpd: exactly at the limit is admitted",
    usage = { rpm = { used = 0 }, tpm = { used = 0 }, tpd = { used = 4900, limit = 5000 } },
    want = { allow = true },
  },
  {
    name = "tpd: one token over is refused",
    usage = { rpm = { used = 0 }, tpm = { used = 0 }, tpd = { used = 4901, limit = 5000, retry_after_seconds = 3600 } },
    want = {
      allow = false,
      retry_after_seconds = 3600,
      reason = "tpd: tenant acme used 4901 of 5000 tokens per day, this request needs 100",
    },
  },
  run = function(c)
    expect_decision(admit(req("acme", 100, c.usage)), c.want)
  end,
}

function test_several_exceeded_names_the_first_and_waits_the_longest()
  local decision = admit(req("acme", 100, {
    rpm = { used = 10, limit = 10, retry_after_seconds = 5 },
    tpm = { used = 1000, limit = 1000, retry_after_seconds = 30 },
    tpd = { used = 1000, limit = 100000 },
  }))
  expect_eq(decision.allow, false)
  expect_eq(decision.retry_after_seconds, 30, "a retry after 30 s fits under both")
  expect_true(decision.reason:find("^rpm: ") ~= nil, decision.reason)
end

test_retry_after_when_the_host_gives_none = cases {
  { name = "a minute window waits a minute", key = "tpm", want = 60 },
  { name = "the day window waits a day", key = "tpd", want = 86400 },
  run = function(c)
    local usage = { rpm = { used = 0 }, tpm = { used = 0 }, tpd = { used = 0 } }
    usage[c.key] = { used = 0, limit = 50 }
    local decision = admit(req("acme", 100, usage))
    expect_decision(decision, { allow = false, retry_after_seconds = c.want })
  end,
}

function test_a_zero_wait_from_the_host_is_still_at_least_a_second()
  local decision = admit(req("acme", 10, { rpm = { used = 1, limit = 1, retry_after_seconds = 0 } }))
  expect_decision(decision, { allow = false, retry_after_seconds = 1 })
end

function test_other_tenants_limits_are_their_own()
  -- the host passes each tenant its own windows: a tenant under its limits is admitted
  local busy = admit(req("acme", 100, { tpm = { used = 1000, limit = 1000, retry_after_seconds = 12 } }))
  local quiet = admit(req("globex", 100, { tpm = { used = 0, limit = 1000 } }))
  expect_eq(busy.allow, false)
  expect_eq(quiet, { allow = true, reason = "within limits" })
end
