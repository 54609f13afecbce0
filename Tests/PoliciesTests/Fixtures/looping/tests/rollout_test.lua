function test_forever()
  while true do end
end

function test_cannot_catch_the_budget()
  pcall(function() while true do end end)
end

function test_still_runs_after_the_loops()
  expect_false(decide({ session_id = "s", settings = { use_persistent_sessions = false } }).enabled)
end
