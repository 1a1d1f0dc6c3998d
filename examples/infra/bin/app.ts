import { App } from 'aws-cdk-lib'
import { stacksFromContext } from '../lib/app'

stacksFromContext(new App())
