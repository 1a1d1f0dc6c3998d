using System.Reflection;

var builder = WebApplication.CreateBuilder(args);

// HttpApi is payload format 2.0: API Gateway HTTP APIs and Function URLs.
// Behind a REST API use LambdaEventSource.RestApi; behind an ALB,
// LambdaEventSource.ApplicationLoadBalancer. Outside Lambda this call does
// nothing and Kestrel serves the app as usual.
builder.Services.AddAWSLambdaHosting(LambdaEventSource.HttpApi);

var app = builder.Build();

// The commit the image was built from: the Dockerfile's BUILD_COMMIT build
// arg, recorded in the assembly's metadata by the csproj.
var commit = Assembly.GetExecutingAssembly()
    .GetCustomAttributes<AssemblyMetadataAttribute>()
    .FirstOrDefault(attribute => attribute.Key == "BuildCommit")?.Value ?? "unknown";

app.MapGet("/", () => "Hello from ASP.NET Core on Lambda");
app.MapGet("/health", () => Results.Ok(new { status = "ok", commit }));
app.Run();
