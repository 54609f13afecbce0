-- fixture policy: breaks the contract on demand, fails without settings
function decide(ctx)
  if ctx.broken then
    return { enabled = "yes" }
  end
  return { enabled = ctx.settings.use_persistent_sessions, reason = "switch" }
end
