var builder = WebApplication.CreateBuilder(args);

// Not HttpApi: this comment must not count as the call below.
// builder.Services.AddAWSLambdaHosting(LambdaEventSource.HttpApi);
builder.Services.AddAWSLambdaHosting(LambdaEventSource.HttpApi);

var app = builder.Build();
app.MapGet("/health", () => "Healthy");
app.Run();
