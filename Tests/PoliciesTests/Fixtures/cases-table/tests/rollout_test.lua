local function enabled(percentage)
  return decide({ session_id = "sess-1", settings = { use_persistent_sessions = true, rollout_percentage = percentage } }).enabled
end

test_table = cases {
  { name = "a", percentage = 0, want = false },
  { name = "b", percentage = 100, want = true },
  { name = "c", percentage = 100, want = false },
  run = function(c)
    expect_eq(enabled(c.percentage), c.want)
  end,
}

function test_plain()
  expect_true(enabled(100))
end
