-- routing.lua: where a chat request goes, in order of preference.
--
-- Entry: route(req) -> {targets = {{provider=, model=}, ...}, reason=string}
-- The host resolved the requested name (or alias) to req.resolved, a model of the models file,
-- and tries the targets in order: the next one gets the request when one fails in a way
-- another provider might not (breaker open, 5xx, timeout, 429, bad key). It asks only when
-- the catalogue has more than one model. Rules, driven by each model's `tags`:
--   1. the requested model first
--   2. `auto` on the requested model: a short prompt (at most SHORT_PROMPT_TOKENS estimated)
--      that needs no tools and no JSON goes to a healthy model tagged `cheap` first
--   3. models tagged `fallback` on other providers follow, in name order, so an outage of
--      one provider is absorbed by another
--   4. a provider that is failing (breaker open, or at least MIN_REQUESTS requests in the
--      window with an error rate above MAX_ERROR_RATE) moves behind the healthy ones: it is
--      still tried last, rather than not at all

SHORT_PROMPT_TOKENS = 400
MIN_REQUESTS = 10
MAX_ERROR_RATE = 0.5

local function has_tag(model, tag)
  for _, t in ipairs(model.tags or {}) do
    if t == tag then
      return true
    end
  end
  return false
end

local function failing(req, provider)
  local p = (req.providers or {})[provider]
  if not p then
    return false
  end
  if p.breaker == "open" then
    return true
  end
  return p.requests >= MIN_REQUESTS and p.error_rate > MAX_ERROR_RATE
end

local function target(m)
  return { provider = m.provider, model = m.model }
end

function route(req)
  local primary = req.resolved
  local chosen = { primary }
  local reason = "requested model " .. primary.name

  if has_tag(primary, "auto") and req.estimated_prompt_tokens <= SHORT_PROMPT_TOKENS
      and not req.needs_tools and not req.needs_json then
    for _, m in ipairs(req.models) do
      if m.name ~= primary.name and has_tag(m, "cheap") and not failing(req, m.provider) then
        table.insert(chosen, 1, m)
        reason = string.format("short prompt (%d tokens): cheap model %s first", req.estimated_prompt_tokens, m.name)
        break
      end
    end
  end

  local used = {}
  for _, m in ipairs(chosen) do
    used[m.provider] = true
  end
  for _, m in ipairs(req.models) do
    if has_tag(m, "fallback") and not used[m.provider] then
      table.insert(chosen, m)
      used[m.provider] = true
    end
  end

  local healthy, unhealthy = {}, {}
  for _, m in ipairs(chosen) do
    if failing(req, m.provider) then
      table.insert(unhealthy, target(m))
    else
      table.insert(healthy, target(m))
    end
  end
  if #unhealthy > 0 and #healthy > 0 and failing(req, primary.provider) then
    reason = reason .. string.format("; provider %s is failing, tried last", primary.provider)
  end
  for _, t in ipairs(unhealthy) do
    table.insert(healthy, t)
  end
  return { targets = healthy, reason = reason }
end
