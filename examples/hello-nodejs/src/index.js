'use strict';

let invocations = 0; // module state survives between requests on a warm instance

exports.main_handler = async (event, context) => {
  invocations += 1;
  console.log('event:', JSON.stringify(event));
  console.log(`request ${context.request_id} in ${context.namespace}/${context.function_name}`);
  return {
    message: `${process.env.GREETING}, ${event.name || 'world'}!`,
    invocations,
  };
};
