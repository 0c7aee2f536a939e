-- Posts pre-signed Stripe events, each once; counts the answers by status. wrk's -d ends
-- the run; should the events run out first, the thread stops sending.
-- The events file has one "signature<TAB>json body" line per event.
local events = {}
local next_event = 1
accepted = 0  -- globals: done() reads them with thread:get
refused = 0

function setup(thread)
  table.insert(threads, thread)
end

threads = {}

function init(args)
  for line in io.lines(os.getenv("BENCH_EVENTS_FILE")) do
    local signature, body = line:match("^([^\t]+)\t(.*)$")
    table.insert(events, {signature = signature, body = body})
  end
end

function request()
  local event = events[next_event]
  if event == nil then
    event = events[#events]  -- never sent twice: the thread stops on the next answer
  end
  next_event = next_event + 1
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["Stripe-Signature"] = event.signature,
  }, event.body)
end

function response(status, headers, body)
  if status == 200 then accepted = accepted + 1 else refused = refused + 1 end
  if next_event > #events then wrk.thread:stop() end
end

function done(summary, latency, requests)
  local total_accepted, total_refused = 0, 0
  for _, thread in ipairs(threads) do
    total_accepted = total_accepted + thread:get("accepted")
    total_refused = total_refused + thread:get("refused")
  end
  io.write(string.format("accepted=%d refused=%d\n", total_accepted, total_refused))
end
