-- fixture policy: unreachable is P0, anything else healthy
function classify(m)
  if m.reachable == false then
    return { severity = "P0", reasons = { "unreachable" } }
  end
  return { reasons = {} }
end
