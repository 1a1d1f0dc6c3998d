var builder = WebApplication.CreateBuilder(args);

// Hosting 2.x: answers in Lambda's streaming format (preview).
builder.Services.AddAWSLambdaHosting(LambdaEventSource.HttpApi, options =>
{
    options.EnableResponseStreaming = true;
});

var app = builder.Build();
app.MapGet("/health", () => "Healthy");
app.Run();
