# The event -> the HTTP request it stands for, as ASP.NET Core's AddAWSLambdaHosting reads API
# Gateway HTTP API 2.0 / Function URL, REST API 1.0 and ALB events (Amazon.Lambda.AspNetCoreServer).
# Run: awk -v head=FILE -v body=FILE -f json.awk -f request.awk EVENT
# Prints "<kind> <text|base64>" (kind: http-api-v2, rest-api-v1, alb, alb-multi), writes the request
# head to `head` and the body (as sent, or base64 when isBase64Encoded) to `body`; or prints
# "error<TAB><exception type><TAB><message>" for an event it cannot read.
BEGIN { RS = "\001" }
{ text = text $0 }
END {
  if (!json_parse(text) || text ~ /^[ \t\r\n]*$/) {
    if (text ~ /^[ \t\r\n]*$/) fail("System.NullReferenceException", "Object reference not set to an instance of an object.")
    fail("Amazon.Lambda.Serialization.SystemTextJson.JsonSerializerException", "Error converting the Lambda event JSON payload to type Amazon.Lambda.APIGatewayEvents.APIGatewayHttpApiV2ProxyRequest: the payload is not JSON")
  }
  S = SUBSEP
  if (T[""] == "o" && V["version"] == "2.0" && T["requestContext" S "http" S "method"] == "s") kind = "http-api-v2"
  else if (T[""] == "o" && T["httpMethod"] == "s" && T["path"] == "s")
    kind = T["requestContext" S "elb" S "targetGroupArn"] == "s" ? "alb" : "rest-api-v1"
  else fail("System.NullReferenceException", "Object reference not set to an instance of an object.")
  nh = 0
  if (kind == "http-api-v2") {
    method = V["requestContext" S "http" S "method"]
    p = T["rawPath"] == "s" ? V["rawPath"] : T["requestContext" S "http" S "path"] == "s" ? V["requestContext" S "http" S "path"] : "/"
    if (T["rawQueryString"] == "s") query = V["rawQueryString"]
    else query = pairs("queryStringParameters", 1, 0)
    single("headers")
    if (T["cookies"] == "a" && K["cookies"] != "") {
      n = split(K["cookies"], idx, S); c = ""
      for (i = 1; i <= n; i++) c = c (i > 1 ? "; " : "") V["cookies" S idx[i]]
      add("cookie", c)
    }
  } else {
    method = V["httpMethod"]; p = V["path"]
    # ALB passes the query string as the client sent it (still encoded); API Gateway decodes it.
    enc = kind == "alb" ? 0 : 1
    query = K["multiValueQueryStringParameters"] != "" ? pairs("multiValueQueryStringParameters", enc, 1) : pairs("queryStringParameters", enc, 0)
    if (T["multiValueHeaders"] == "o") {
      if (kind == "alb") kind = "alb-multi"
      n = split(K["multiValueHeaders"], keys, S)
      for (i = 1; i <= n; i++) {
        m = split(K["multiValueHeaders" S keys[i]], idx, S)
        for (j = 1; j <= m; j++) add(tolower(keys[i]), V["multiValueHeaders" S keys[i] S idx[j]])
      }
    } else single("headers")
  }
  if (substr(p, 1, 1) != "/") p = "/" p
  b64 = V["isBase64Encoded"] == "true"
  printf "%s", (T["body"] == "s" ? V["body"] : "") > body
  close(body)
  printf "%s %s HTTP/1.1\r\n", method, p (query != "" ? "?" query : "") > head
  for (i = 1; i <= nh; i++)
    if (HN[i] !~ /^(connection|keep-alive|transfer-encoding|content-length|upgrade|proxy-connection)$/)
      printf "%s: %s\r\n", HN[i], HV[i] > head
  close(head)
  print kind, (b64 ? "base64" : "text")
}
function add(name, value) { nh++; HN[nh] = name; HV[nh] = value }
function single(obj,    n, keys, i) {
  n = split(K[obj], keys, SUBSEP)
  for (i = 1; i <= n; i++)
    if (T[obj SUBSEP keys[i]] != "null") add(tolower(keys[i]), V[obj SUBSEP keys[i]])
}
function pairs(obj, enc, multi,    n, keys, i, m, idx, j, out, k, v) {
  out = ""
  n = split(K[obj], keys, SUBSEP)
  for (i = 1; i <= n; i++) {
    k = enc ? uri_encode(keys[i]) : keys[i]
    if (multi) {
      m = split(K[obj SUBSEP keys[i]], idx, SUBSEP)
      for (j = 1; j <= m; j++) {
        v = V[obj SUBSEP keys[i] SUBSEP idx[j]]
        out = out (out != "" ? "&" : "") k "=" (enc ? uri_encode(v) : v)
      }
    } else {
      v = V[obj SUBSEP keys[i]]
      out = out (out != "" ? "&" : "") k "=" (enc ? uri_encode(v) : v)
    }
  }
  return out
}
function fail(type, message) {
  printf "error\t%s\t%s\n", type, message
  exit_now = 1
  exit 0
}
