/** Lambda entry of the sign-up API (API Gateway HTTP API, payload 2.0). */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { createApi } from './http/api.js';
import { wireApi } from './wiring.js';

const { logger, ...deps } = wireApi();
const api = createApi(deps);

export const handler = async (
  event: APIGatewayProxyEventV2,
  context: Context,
): Promise<APIGatewayProxyStructuredResultV2> => {
  logger.addContext(context);
  return api(event);
};
