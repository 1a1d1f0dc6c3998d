import { describe, expect, it } from '@jest/globals'
import {
  APIGatewayClient,
  GetResourcesCommand,
  GetRestApisCommand
} from '@aws-sdk/client-api-gateway'
import {
  ApiGatewayV2Client,
  GetApisCommand,
  GetIntegrationsCommand
} from '@aws-sdk/client-apigatewayv2'
import {
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client
} from '@aws-sdk/client-elastic-load-balancing-v2'
import {
  GetFunctionUrlConfigCommand,
  LambdaClient,
  ResourceNotFoundException
} from '@aws-sdk/client-lambda'
import { mockClient } from 'aws-sdk-client-mock'
import {
  eventSourceForPayload,
  invokeModeCheck,
  type Discovery
} from '../../../src/checks/preflight/eventsource.js'
import { discoverReach } from '../../../src/checks/reach.js'
import { invokesFunction } from '../../../src/aws/function-arn.js'

const ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:orders'
const REGION = 'eu-west-1'

function clients() {
  const lambda = new LambdaClient({ region: REGION })
  const apigateway = new ApiGatewayV2Client({ region: REGION })
  const apigatewayRest = new APIGatewayClient({ region: REGION })
  const elb = new ElasticLoadBalancingV2Client({ region: REGION })
  const notFound = new ResourceNotFoundException({
    message: 'not found',
    $metadata: { httpStatusCode: 404 }
  })
  const mocks = {
    lambda: mockClient(lambda)
      .on(GetFunctionUrlConfigCommand)
      .rejects(notFound),
    apigateway: mockClient(apigateway)
      .on(GetApisCommand)
      .resolves({ Items: [] }),
    rest: mockClient(apigatewayRest)
      .on(GetRestApisCommand)
      .resolves({ items: [] }),
    elb: mockClient(elb)
      .on(DescribeTargetGroupsCommand)
      .resolves({ TargetGroups: [] })
  }
  return {
    clients: {
      lambda,
      apigateway: () => Promise.resolve(apigateway),
      apigatewayRest,
      elb
    },
    mocks
  }
}

describe('invokesFunction', () => {
  it.each([
    [ARN, true],
    [`${ARN}:live`, true],
    [
      `arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/${ARN}/invocations`,
      true
    ],
    [
      `arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/${ARN}:live/invocations`,
      true
    ],
    [`${ARN}-v2`, false],
    [undefined, false]
  ])('%p → %p', (uri, expected) => {
    expect(invokesFunction(uri, ARN)).toBe(expected)
  })
})

describe('eventSourceForPayload', () => {
  it.each([
    ['2.0', 'HttpApi'],
    ['1.0', 'RestApi'],
    [undefined, 'HttpApi']
  ])('%p → %p', (version, expected) => {
    expect(eventSourceForPayload(version)).toBe(expected)
  })
})

describe('discoverReach', () => {
  it('finds nothing for a function nothing invokes', async () => {
    const { clients: c } = clients()
    expect(await discoverReach(c, ARN)).toEqual({ reaches: [], problems: [] })
  })

  it('finds a Function URL, HTTP APIs by payload version, a REST API and an ALB target group', async () => {
    const { clients: c, mocks } = clients()
    mocks.lambda.on(GetFunctionUrlConfigCommand).resolves({
      FunctionUrl: 'https://abc.lambda-url.eu-west-1.on.aws/',
      FunctionArn: ARN,
      AuthType: 'NONE',
      CreationTime: '',
      LastModifiedTime: ''
    })
    mocks.apigateway
      .on(GetApisCommand)
      .resolves({
        Items: [
          {
            ApiId: 'v2',
            Name: 'orders-http',
            ProtocolType: 'HTTP',
            RouteSelectionExpression: ''
          },
          {
            ApiId: 'v1',
            Name: 'orders-legacy',
            ProtocolType: 'HTTP',
            RouteSelectionExpression: ''
          },
          {
            ApiId: 'ws',
            Name: 'socket',
            ProtocolType: 'WEBSOCKET',
            RouteSelectionExpression: ''
          }
        ]
      })
      .on(GetIntegrationsCommand, { ApiId: 'v2' })
      .resolves({
        Items: [{ IntegrationUri: ARN, PayloadFormatVersion: '2.0' }]
      })
      .on(GetIntegrationsCommand, { ApiId: 'v1' })
      .resolves({
        Items: [{ IntegrationUri: `${ARN}:live`, PayloadFormatVersion: '1.0' }]
      })
    mocks.rest
      .on(GetRestApisCommand)
      .resolves({
        items: [
          { id: 'r1', name: 'orders-rest' },
          { id: 'r2', name: 'other' }
        ]
      })
      .on(GetResourcesCommand, { restApiId: 'r1' })
      .resolves({
        items: [
          {
            id: 'root',
            resourceMethods: {
              ANY: {
                methodIntegration: {
                  uri: `arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/${ARN}/invocations`
                }
              }
            }
          }
        ]
      })
      .on(GetResourcesCommand, { restApiId: 'r2' })
      .resolves({ items: [{ id: 'root', resourceMethods: {} }] })
    mocks.elb
      .on(DescribeTargetGroupsCommand)
      .resolves({
        TargetGroups: [
          {
            TargetGroupArn: 'tg-lambda',
            TargetGroupName: 'orders-tg',
            TargetType: 'lambda'
          },
          { TargetGroupArn: 'tg-ip', TargetGroupName: 'ip', TargetType: 'ip' }
        ]
      })
      .on(DescribeTargetHealthCommand, { TargetGroupArn: 'tg-lambda' })
      .resolves({ TargetHealthDescriptions: [{ Target: { Id: ARN } }] })

    const discovery = await discoverReach(c, ARN)

    expect(discovery).toEqual({
      reaches: [
        {
          via: 'ALB target group orders-tg',
          eventSource: 'ApplicationLoadBalancer'
        },
        {
          via: 'Function URL https://abc.lambda-url.eu-west-1.on.aws/',
          eventSource: 'HttpApi',
          invokeMode: 'BUFFERED'
        },
        { via: 'HTTP API orders-http (payload 2.0)', eventSource: 'HttpApi' },
        { via: 'HTTP API orders-legacy (payload 1.0)', eventSource: 'RestApi' },
        { via: 'REST API orders-rest', eventSource: 'RestApi' }
      ],
      problems: []
    })
    expect(mocks.elb.commandCalls(DescribeTargetHealthCommand)).toHaveLength(1)
  })

  it('reports a denied lookup with the permission, and keeps the others', async () => {
    const { clients: c, mocks } = clients()
    const denied = Object.assign(new Error('User is not authorized'), {
      name: 'AccessDeniedException'
    })
    mocks.elb.on(DescribeTargetGroupsCommand).rejects(denied)
    mocks.lambda.on(GetFunctionUrlConfigCommand).resolves({
      FunctionUrl: 'https://abc.lambda-url.eu-west-1.on.aws/',
      FunctionArn: ARN,
      AuthType: 'NONE',
      CreationTime: '',
      LastModifiedTime: ''
    })

    const discovery = await discoverReach(c, ARN)

    expect(discovery.reaches.map(r => r.eventSource)).toEqual(['HttpApi'])
    expect(discovery.problems).toHaveLength(1)
    expect(discovery.problems[0]).toContain(
      'elasticloadbalancing:DescribeTargetGroups'
    )
  })
})

describe('discoverReach: the Function URL InvokeMode', () => {
  it.each<[string | undefined, string]>([
    [undefined, 'BUFFERED'],
    ['BUFFERED', 'BUFFERED'],
    ['RESPONSE_STREAM', 'RESPONSE_STREAM']
  ])('InvokeMode %s → %s', async (answered, invokeMode) => {
    const { clients: c, mocks } = clients()
    mocks.lambda.on(GetFunctionUrlConfigCommand).resolves({
      FunctionUrl: 'https://abc.lambda-url.eu-west-1.on.aws/',
      FunctionArn: ARN,
      AuthType: 'NONE',
      CreationTime: '',
      LastModifiedTime: '',
      ...(answered !== undefined && {
        InvokeMode: answered as 'BUFFERED' | 'RESPONSE_STREAM'
      })
    })
    expect((await discoverReach(c, ARN)).reaches).toEqual([
      {
        via: 'Function URL https://abc.lambda-url.eu-west-1.on.aws/',
        eventSource: 'HttpApi',
        invokeMode
      }
    ])
  })
})

describe('invokeModeCheck', () => {
  const url = (invokeMode: string): Discovery => ({
    reaches: [
      {
        via: 'Function URL https://abc.lambda-url.on.aws/',
        eventSource: 'HttpApi',
        invokeMode
      },
      { via: 'HTTP API orders (payload 2.0)', eventSource: 'HttpApi' }
    ],
    problems: []
  })
  const STREAMS = { file: 'Program.cs' }

  it.each<
    [
      string,
      { file: string } | undefined,
      Discovery | undefined,
      string | undefined,
      RegExp | undefined
    ]
  >([
    [
      'a streaming app behind a BUFFERED URL',
      STREAMS,
      url('BUFFERED'),
      'fail',
      /^Program\.cs sets EnableResponseStreaming = true but Function URL https:\/\/abc\.lambda-url\.on\.aws\/ has InvokeMode BUFFERED: every response through it would be the raw streaming prelude, not the app's answer\. Set the URL's InvokeMode to RESPONSE_STREAM \(aws lambda update-function-url-config --invoke-mode RESPONSE_STREAM\), or remove EnableResponseStreaming\.$/
    ],
    [
      'a streaming app behind a RESPONSE_STREAM URL',
      STREAMS,
      url('RESPONSE_STREAM'),
      'pass',
      /has InvokeMode RESPONSE_STREAM\.$/
    ],
    [
      'a buffered app behind a RESPONSE_STREAM URL',
      undefined,
      url('RESPONSE_STREAM'),
      'fail',
      /^Function URL https:\/\/abc\.lambda-url\.on\.aws\/ has InvokeMode RESPONSE_STREAM but the app does not set EnableResponseStreaming[\s\S]*options\.EnableResponseStreaming = true[\s\S]*--invoke-mode BUFFERED/
    ],
    [
      'a streaming app without a Function URL',
      STREAMS,
      { reaches: [], problems: ['lambda:GetFunctionUrlConfig denied'] },
      'warn',
      /no Function URL was found \(lambda:GetFunctionUrlConfig denied\)/
    ],
    [
      'a streaming app, nothing looked up',
      STREAMS,
      undefined,
      'warn',
      /was not compared/
    ],
    [
      'a buffered app behind a BUFFERED URL',
      undefined,
      url('BUFFERED'),
      undefined,
      undefined
    ],
    [
      'a buffered app, nothing looked up',
      undefined,
      undefined,
      undefined,
      undefined
    ]
  ])('%s', (_name, streaming, discovery, result, message) => {
    const messageMatching: unknown = expect.stringMatching(message ?? /^$/)
    expect(invokeModeCheck(streaming, discovery)).toEqual(
      result === undefined
        ? undefined
        : {
            id: 'app.invoke-mode',
            title: "Response streaming matches the Function URL's InvokeMode",
            result,
            message: messageMatching
          }
    )
  })
})

describe('discoverReach for the Function URL only', () => {
  it('asks no API Gateway or ALB question', async () => {
    const { clients: c, mocks } = clients()
    mocks.lambda.on(GetFunctionUrlConfigCommand).resolves({
      FunctionUrl: 'https://abc.lambda-url.eu-west-1.on.aws/',
      FunctionArn: ARN,
      AuthType: 'NONE',
      CreationTime: '',
      LastModifiedTime: '',
      InvokeMode: 'RESPONSE_STREAM'
    })
    const discovery = await discoverReach(c, ARN, undefined, true)
    expect(discovery.reaches.map(r => r.invokeMode)).toEqual([
      'RESPONSE_STREAM'
    ])
    expect(mocks.apigateway.commandCalls(GetApisCommand)).toEqual([])
    expect(mocks.rest.commandCalls(GetRestApisCommand)).toEqual([])
    expect(mocks.elb.commandCalls(DescribeTargetGroupsCommand)).toEqual([])
  })
})
