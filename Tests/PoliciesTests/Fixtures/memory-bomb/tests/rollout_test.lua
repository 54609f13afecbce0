function test_doubles_a_string_forever()
  local s = "x"
  while true do
    s = s .. s
  end
end

function test_still_runs_after_the_bomb()
  expect_false(decide({ session_id = "s", settings = { use_persistent_sessions = false } }).enabled)
end
