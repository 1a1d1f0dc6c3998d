# A small JSON reader for busybox awk: parse(text) fills V[path] (the value), T[path] (s, n, b,
# null, o, a) and K[path] (an object's keys, or an array's indexes, joined by SUBSEP, in order).
# Paths join keys with SUBSEP; the root is "". Returns 1, or 0 when the text is not JSON.
function json_parse(text) {
  js = text; jn = length(js); jp = 1; jerr = 0
  if (!("A" in ORD)) for (ji = 1; ji < 256; ji++) ORD[sprintf("%c", ji)] = ji
  json_value("")
  json_ws()
  return !jerr && jp > jn
}
function json_ws() {
  while (jp <= jn && index(" \t\r\n", substr(js, jp, 1))) jp++
}
function json_value(path,    c, tok) {
  json_ws()
  c = substr(js, jp, 1)
  if (c == "{") return json_object(path)
  if (c == "[") return json_array(path)
  if (c == "\"") { V[path] = json_string(); T[path] = "s"; return }
  if (match(substr(js, jp, 40), /^(true|false|null|-?[0-9][0-9.eE+-]*)/)) {
    tok = substr(js, jp, RLENGTH); jp += RLENGTH; V[path] = tok
    T[path] = tok == "null" ? "null" : tok ~ /^[tf]/ ? "b" : "n"
    return
  }
  jerr = 1; jp = jn + 1
}
function json_object(path,    key, child, c) {
  jp++; T[path] = "o"; K[path] = ""
  json_ws()
  if (substr(js, jp, 1) == "}") { jp++; return }
  while (!jerr) {
    json_ws()
    if (substr(js, jp, 1) != "\"") { jerr = 1; return }
    key = json_string()
    json_ws()
    if (substr(js, jp, 1) != ":") { jerr = 1; return }
    jp++
    child = path == "" ? key : path SUBSEP key
    if (!(child in T)) K[path] = K[path] == "" ? key : K[path] SUBSEP key
    json_value(child)
    json_ws()
    c = substr(js, jp, 1); jp++
    if (c == "}") return
    if (c != ",") { jerr = 1; return }
  }
}
function json_array(path,    i, c) {
  jp++; T[path] = "a"; K[path] = ""
  json_ws()
  if (substr(js, jp, 1) == "]") { jp++; return }
  for (i = 0; !jerr; i++) {
    K[path] = i == 0 ? "0" : K[path] SUBSEP i
    json_value(path == "" ? i : path SUBSEP i)
    json_ws()
    c = substr(js, jp, 1); jp++
    if (c == "]") return
    if (c != ",") { jerr = 1; return }
  }
}
function json_string(    out, c, h) {
  jp++; out = ""
  while (jp <= jn) {
    c = substr(js, jp, 1)
    if (c == "\"") { jp++; return out }
    if (c == "\\") {
      c = substr(js, jp + 1, 1); jp += 2
      if (c == "n") out = out "\n"
      else if (c == "t") out = out "\t"
      else if (c == "r") out = out "\r"
      else if (c == "b") out = out "\b"
      else if (c == "f") out = out "\f"
      else if (c == "u") { out = out json_utf8(json_hex(substr(js, jp, 4))); jp += 4 }
      else out = out c
      continue
    }
    if (match(substr(js, jp), /^[^"\\]+/)) { out = out substr(js, jp, RLENGTH); jp += RLENGTH }
    else { out = out c; jp++ }
  }
  jerr = 1
  return out
}
function json_hex(h,    i, v) {
  v = 0
  for (i = 1; i <= length(h); i++) v = v * 16 + index("0123456789abcdef", tolower(substr(h, i, 1))) - 1
  return v
}
function json_utf8(v) {
  if (v < 128) return sprintf("%c", v)
  if (v < 2048) return sprintf("%c%c", 192 + int(v / 64), 128 + v % 64)
  return sprintf("%c%c%c", 224 + int(v / 4096), 128 + int(v / 64) % 64, 128 + v % 64)
}
# A JSON string literal of s (bytes kept; control characters escaped).
function json_quote(s,    out, i, c, o) {
  gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); gsub(/\n/, "\\n", s)
  gsub(/\r/, "\\r", s); gsub(/\t/, "\\t", s)
  if (s !~ /[\001-\037]/) return "\"" s "\""
  out = ""
  for (i = 1; i <= length(s); i++) {
    c = substr(s, i, 1); o = ORD[c]
    out = out (o < 32 ? sprintf("\\u%04x", o) : c)
  }
  return "\"" out "\""
}
# encodeURIComponent of s.
function uri_encode(s,    out, i, c) {
  out = ""
  for (i = 1; i <= length(s); i++) {
    c = substr(s, i, 1)
    out = out (c ~ /[A-Za-z0-9_.!~*'()-]/ ? c : sprintf("%%%02X", ORD[c]))
  }
  return out
}
