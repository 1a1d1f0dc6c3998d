# The app's HTTP response -> the event source's response shape, as AddAWSLambdaHosting answers:
#   http-api-v2: {statusCode, headers (repeated ones comma-joined), cookies (Set-Cookie values),
#     body, isBase64Encoded}
#   rest-api-v1: {statusCode, headers (last value), multiValueHeaders, body, isBase64Encoded}
#   alb / alb-multi: {statusCode, statusDescription, headers or multiValueHeaders (as the request
#     used), body, isBase64Encoded}
#   prelude: the JSON prelude of Lambda's HTTP integration stream {statusCode, headers, cookies}
# Bodies of text/*, *json*, *xml*, *javascript* (and empty ones) as text, others base64.
# Run: awk -v mode=head -f json.awk -f answer.awk RESPONSE   -> "<head bytes> <1 when text>"
#      awk -v kind=K -v enc=text|base64 -v bodyfile=F -f json.awk -f answer.awk RESPONSE
BEGIN { for (i = 1; i < 256; i++) ORD[sprintf("%c", i)] = i }
NR == 1 {
  bytes = length($0) + 1
  split($0, st, " "); status = st[2] + 0
  reason = $0; sub(/^[^ ]* [^ ]* ?/, "", reason); sub(/\r$/, "", reason)
  next
}
{
  bytes += length($0) + 1
  line = $0; sub(/\r$/, "", line)
  if (line == "") { finish(); exit 0 }
  name = line; sub(/:.*/, "", name)
  value = line; sub(/^[^:]*:[ \t]*/, "", value)
  lower = tolower(name)
  # Hop-by-hop headers, and the Date httpd adds (ASP.NET Core's Lambda hosting has no server to add one).
  if (lower ~ /^(connection|keep-alive|transfer-encoding|content-length|upgrade|proxy-connection|date)$/) next
  if (!(lower in spelled)) { spelled[lower] = name; order[++names] = lower }
  count[lower]++; values[lower, count[lower]] = value
  if (lower == "content-type") ctype = value
}
END { if (!done) finish() }
function finish(    body, i, j, k, out, sep, joined, cookies) {
  done = 1
  if (mode == "head") { print bytes, (ctype ~ /^[Tt][Ee][Xx][Tt]\/|[Jj][Ss][Oo][Nn]|[Xx][Mm][Ll]|[Jj][Aa][Vv][Aa][Ss][Cc][Rr][Ii][Pp][Tt]/ ? 1 : 0); return }
  body = ""
  if (kind != "prelude") {
    RS = "\001"
    while ((getline chunk < bodyfile) > 0) body = body chunk
    close(bodyfile)
  }
  out = "{\"statusCode\":" status
  if (kind == "alb" || kind == "alb-multi") out = out ",\"statusDescription\":" json_quote(status " " describe(status))
  if (kind == "http-api-v2" || kind == "prelude") {
    out = out ",\"headers\":{"; sep = ""; cookies = ""
    for (i = 1; i <= names; i++) {
      k = order[i]
      if (k == "set-cookie") {
        for (j = 1; j <= count[k]; j++) cookies = cookies (cookies != "" ? "," : "") json_quote(values[k, j])
        continue
      }
      joined = ""
      for (j = 1; j <= count[k]; j++) joined = joined (j > 1 ? "," : "") values[k, j]
      out = out sep json_quote(spelled[k]) ":" json_quote(joined); sep = ","
    }
    out = out "}"
    if (cookies != "") out = out ",\"cookies\":[" cookies "]"
  }
  if (kind == "rest-api-v1" || kind == "alb") out = out ",\"headers\":" singles()
  if (kind == "rest-api-v1" || kind == "alb-multi") out = out ",\"multiValueHeaders\":" multis()
  if (kind != "prelude")
    out = out ",\"body\":" json_quote(body) ",\"isBase64Encoded\":" (enc == "base64" ? "true" : "false")
  printf "%s}", out
}
function singles(    i, k, out) {
  out = "{"
  for (i = 1; i <= names; i++) { k = order[i]; out = out (i > 1 ? "," : "") json_quote(spelled[k]) ":" json_quote(values[k, count[k]]) }
  return out "}"
}
function multis(    i, j, k, out) {
  out = "{"
  for (i = 1; i <= names; i++) {
    k = order[i]; out = out (i > 1 ? "," : "") json_quote(spelled[k]) ":["
    for (j = 1; j <= count[k]; j++) out = out (j > 1 ? "," : "") json_quote(values[k, j])
    out = out "]"
  }
  return out "}"
}
# The reason phrase (Node's http.STATUS_CODES for the common ones, else the app's own).
function describe(s) {
  if (s == 200) return "OK"; if (s == 201) return "Created"; if (s == 204) return "No Content"
  if (s == 301) return "Moved Permanently"; if (s == 302) return "Found"; if (s == 304) return "Not Modified"
  if (s == 400) return "Bad Request"; if (s == 401) return "Unauthorized"; if (s == 403) return "Forbidden"
  if (s == 404) return "Not Found"; if (s == 500) return "Internal Server Error"
  if (s == 502) return "Bad Gateway"; if (s == 503) return "Service Unavailable"
  return reason
}
