/**
 * Application Load Balancer target groups (Elastic Load Balancing v2 API
 * reference: DescribeTargetGroups, DescribeTargetHealth).
 */
import {
  DescribeTargetHealthCommand,
  paginateDescribeTargetGroups,
  type ElasticLoadBalancingV2Client,
  type TargetGroup,
  type TargetHealthDescription
} from '@aws-sdk/client-elastic-load-balancing-v2'
import { awsCall, awsPages } from './call.js'

/** The account's target groups, page by page (the SDK's paginator). */
export async function* targetGroupPages(
  elb: ElasticLoadBalancingV2Client
): AsyncGenerator<TargetGroup[]> {
  for await (const page of awsPages(
    'elasticloadbalancing:DescribeTargetGroups',
    paginateDescribeTargetGroups({ client: elb }, {})
  ))
    yield page.TargetGroups ?? []
}

/** The targets registered in the group. */
export async function targetHealth(
  elb: ElasticLoadBalancingV2Client,
  targetGroupArn: string
): Promise<TargetHealthDescription[]> {
  const answer = await awsCall(
    'elasticloadbalancing:DescribeTargetHealth',
    () =>
      elb.send(
        new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn })
      )
  )
  return answer.TargetHealthDescriptions ?? []
}
