-- purchase.lua - wrk script: POST /v1/purchases with unique transaction ids.
--
-- Usage: wrk ... -s bench/purchase.lua URL -- KEY MEMBERS TAG
--   KEY      a till (pos) API key, sent as "Authorization: Bearer KEY"
--   MEMBERS  members 1..MEMBERS exist; purchases spread over them
--   TAG      unique per wrk run, so ids never repeat across runs
-- Each wrk thread numbers its own requests; the id is TAG-<thread>-<n>, so
-- no purchase is ever an idempotent replay. The basket is 3 lines, 34.99 EUR.
-- done() prints one machine-readable line (see bench/report.lua).

-- report.lua, beside this file, defines done().
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "report.lua")

local threads = {}

function setup(thread)
   thread:set("tid", #threads + 1)
   table.insert(threads, thread)
end

local counter = 0
local members, tag, headers

function init(args)
   members = tonumber(args[2])
   tag = args[3]
   headers = {
      ["Content-Type"] = "application/json",
      ["Authorization"] = "Bearer " .. args[1],
   }
end

function request()
   counter = counter + 1
   local member = (counter * 7 + tid * 131) % members + 1
   local body = string.format(
      '{"txn_id":"%s-%d-%d","member_id":%d,"currency":"EUR","lines":[' ..
      '{"sku":"COF-LAT","category":"coffee","quantity":2,"unit_price":260},' ..
      '{"sku":"BAK-CRO","category":"bakery","quantity":1,"unit_price":180},' ..
      '{"sku":"GRO-OIL","category":"grocery","quantity":1,"unit_price":2799}]}',
      tag, tid, counter, member)
   return wrk.format("POST", "/v1/purchases", headers, body)
end
