/** Lambda's errors, as the SDK throws them. */
import {
  ResourceConflictException,
  ResourceNotFoundException
} from '@aws-sdk/client-lambda'

export const notFound = (message: string): ResourceNotFoundException =>
  new ResourceNotFoundException({ message, $metadata: { httpStatusCode: 404 } })

export const conflict = (message: string): ResourceConflictException =>
  new ResourceConflictException({ message, $metadata: { httpStatusCode: 409 } })
