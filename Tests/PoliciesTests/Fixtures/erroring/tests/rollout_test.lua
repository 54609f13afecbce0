function test_raises()
  error("boom")
end

function test_policy_fails_at_run_time()
  decide({ session_id = "s" })
end

function test_policy_breaks_contract()
  decide({ broken = true })
end
