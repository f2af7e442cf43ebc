// The merge operator of item and creator records: a batch's counts added into the stored record where it is stored.
import type { MergeOperator } from '@recsys/stores';
import { COUNTER_COUNT } from '../definitions/event-updates';
import { WINDOWS } from '../definitions/windows';
import { mergeBlock } from '../state/counter-block';
import { KIND, RECORD_FORMAT_BINARY_V2, decodeEntity, encodeEntity } from './encoding';

/** The entity kind a record's kind byte names; undefined for users and unknown kinds. */
function entityKind(bytes: Uint8Array): 'item' | 'creator' | undefined {
  if (bytes.length < 2 || bytes[0] !== RECORD_FORMAT_BINARY_V2) return undefined;
  if (bytes[1] === KIND.item) return 'item';
  if (bytes[1] === KIND.creator) return 'creator';
  return undefined;
}

/**
 * The same merge in Lua for Redis: parses both packed records (the layout of `encoding.ts`), merges the blocks as
 * {@link mergeBlock} does and packs the result with the same bytes the TypeScript encoder writes (a counter is left
 * out of a row only when it is +0; doubles are copied exactly). A current value that does not parse is replaced by
 * the delta. The window sizes and the counter count are those of the TypeScript definitions.
 */
const LUA = `
local COUNTERS = ${COUNTER_COUNT}
local WINDOW_BUCKETS = { ${WINDOWS.map((w) => w.buckets).join(', ')} }
local FORMAT = ${RECORD_FORMAT_BINARY_V2}
local byte, char, unpack_, pack, floor = string.byte, string.char, struct.unpack, struct.pack, math.floor
local concat = table.concat
local MASK_LIMIT = 2 ^ COUNTERS

local function readRow(s, at)
  local mask = byte(s, at)
  if mask == nil or mask >= MASK_LIMIT then error('bad counter mask') end
  at = at + 1
  local row = {}
  for i = 1, COUNTERS do
    if mask % 2 == 1 then row[i], at = unpack_('<d', s, at) else row[i] = 0 end
    mask = floor(mask / 2)
  end
  return row, at
end

local function decode(s, kind)
  if #s < 2 or byte(s, 1) ~= FORMAT or byte(s, 2) ~= kind then error('bad header') end
  local totals, at = readRow(s, 3)
  local last
  last, at = unpack_('<d', s, at)
  local windows = {}
  for w = 1, #WINDOW_BUCKETS do
    local n = byte(s, at)
    if n == nil then error('truncated') end
    at = at + 1
    local slots = {}
    for k = 1, n do
      local bucket, row
      bucket, at = unpack_('<i4', s, at)
      row, at = readRow(s, at)
      slots[k] = { bucket, row }
    end
    windows[w] = slots
  end
  if at ~= #s + 1 then error('trailing bytes') end
  return { totals = totals, last = last, windows = windows }
end

local function writeRow(out, row)
  local mask, bit, first = 0, 1, #out + 1
  out[first] = ''
  for i = 1, COUNTERS do
    local v = row[i]
    if v ~= 0 or 1 / v < 0 then
      mask = mask + bit
      out[#out + 1] = pack('<d', v)
    end
    bit = bit * 2
  end
  out[first] = char(mask)
end

local function encode(r, kind)
  local out = { char(FORMAT, kind) }
  writeRow(out, r.totals)
  out[#out + 1] = pack('<d', r.last)
  for w = 1, #WINDOW_BUCKETS do
    local slots = r.windows[w]
    out[#out + 1] = char(#slots)
    for k = 1, #slots do
      out[#out + 1] = pack('<i4', slots[k][1])
      writeRow(out, slots[k][2])
    end
  end
  return concat(out)
end

local function mergeDecoded(c, d)
  for i = 1, COUNTERS do c.totals[i] = c.totals[i] + d.totals[i] end
  if d.last > c.last then c.last = d.last end
  for w = 1, #WINDOW_BUCKETS do
    local theirs = d.windows[w]
    if #theirs > 0 then
      local ours = c.windows[w]
      local newest = theirs[1][1]
      if #ours > 0 and ours[1][1] > newest then newest = ours[1][1] end
      local oldest = newest - WINDOW_BUCKETS[w]
      local merged, i, j = {}, 1, 1
      while i <= #ours or j <= #theirs do
        local a, b = ours[i], theirs[j]
        local slot
        if b == nil or (a ~= nil and a[1] > b[1]) then
          slot = a
          i = i + 1
        elseif a == nil or b[1] > a[1] then
          slot = b
          j = j + 1
        else
          local ac, bc = a[2], b[2]
          for k = 1, COUNTERS do ac[k] = ac[k] + bc[k] end
          slot = a
          i = i + 1
          j = j + 1
        end
        if slot[1] <= oldest then break end
        merged[#merged + 1] = slot
      end
      c.windows[w] = merged
    end
  end
end

local function merge(current, delta)
  if not current then return delta, false end
  local kind = byte(delta, 2)
  local ok, c = pcall(decode, current, kind)
  if not ok then return delta, true end
  mergeDecoded(c, decode(delta, kind))
  return encode(c, kind), false
end
`;

/**
 * The {@link MergeOperator} of item and creator records (format 2): the stored record's counter block plus the
 * delta's, with {@link mergeBlock}'s semantics. The delta is a record of the same kind holding only new counts (e.g.
 * one batch's events applied to an empty record); merging the deltas of disjoint sets of events, in any order, gives
 * the bytes of the record with every event applied. A stored value that is not a readable record of the delta's
 * kind is replaced by the delta (`unreadable`). Redis runs the same merge in Lua. O(slots of both records).
 */
export const ENTITY_RECORD_MERGE: MergeOperator = {
  name: 'recsys_entity_record_v2',
  merge(current, delta) {
    const kind = entityKind(delta);
    if (kind === undefined) throw new RangeError('an entity record merge needs an item or creator record as its delta');
    if (current === undefined) return { value: delta, unreadable: false };
    let stored;
    try {
      stored = decodeEntity(kind, current);
    } catch {
      return { value: delta, unreadable: true };
    }
    mergeBlock(stored.counters, decodeEntity(kind, delta).counters);
    return { value: encodeEntity(kind, stored), unreadable: false };
  },
  lua: LUA,
};
