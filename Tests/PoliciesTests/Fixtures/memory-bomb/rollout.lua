-- fixture policy: the master switch, then the sticky bucket
function decide(ctx)
  if not ctx.settings.use_persistent_sessions then
    return { enabled = false, reason = "off" }
  end
  return { enabled = bucket(ctx.session_id) <= ctx.settings.rollout_percentage, reason = "bucket" }
end
