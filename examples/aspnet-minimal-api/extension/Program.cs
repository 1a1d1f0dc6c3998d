using System.Net.Http.Json;
using System.Text.Json;

// A minimal Lambda extension: register with the Extensions API, then wait on
// event/next until Lambda sends SHUTDOWN. Lambda starts every executable in
// /opt/extensions/ and does not finish the function's init until each one has
// registered and asked for its first event.
var runtimeApi = Environment.GetEnvironmentVariable("AWS_LAMBDA_RUNTIME_API")
    ?? throw new InvalidOperationException("AWS_LAMBDA_RUNTIME_API is not set: this only runs inside Lambda.");
// Lambda refuses a registration whose name is not the executable's file name.
var extensionName = Path.GetFileName(Environment.ProcessPath) ?? "example-extension";

// event/next blocks until the next event, for as long as the environment is frozen.
using var http = new HttpClient
{
    BaseAddress = new Uri($"http://{runtimeApi}/2020-01-01/extension/"),
    Timeout = Timeout.InfiniteTimeSpan,
};

using var register = new HttpRequestMessage(HttpMethod.Post, "register")
{
    Content = JsonContent.Create(new { events = new[] { "INVOKE", "SHUTDOWN" } }),
};
register.Headers.Add("Lambda-Extension-Name", extensionName);
using var registered = await http.SendAsync(register);
registered.EnsureSuccessStatusCode();
var extensionId = registered.Headers.GetValues("Lambda-Extension-Identifier").Single();
Console.WriteLine($"[{extensionName}] registered");

while (true)
{
    using var next = new HttpRequestMessage(HttpMethod.Get, "event/next");
    next.Headers.Add("Lambda-Extension-Identifier", extensionId);
    using var response = await http.SendAsync(next);
    response.EnsureSuccessStatusCode();
    using var lambdaEvent = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    var eventType = lambdaEvent.RootElement.GetProperty("eventType").GetString();
    if (eventType == "SHUTDOWN")
    {
        var reason = lambdaEvent.RootElement.GetProperty("shutdownReason").GetString();
        Console.WriteLine($"[{extensionName}] shutting down ({reason})");
        return 0;
    }
    Console.WriteLine($"[{extensionName}] {eventType} {lambdaEvent.RootElement.GetProperty("requestId").GetString()}");
}
