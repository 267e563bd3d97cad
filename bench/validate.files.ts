/** The serverless.yml files bench:validate times (also used to profile the validator). */
/** A realistic serverless.yml of about `lines` lines: env variables, timers, API endpoints, tags. */
export function generate(lines: number): { text: string; editLine: number; editColumn: number } {
  const out: string[] = [
    '# generated for bench:validate',
    'component: scf',
    'name: bench',
    'app: benchapp',
    'stage: dev',
    'inputs:',
    '  name: ${name}-${stage}-${app}',
    '  src: ./src',
    '  handler: index.main_handler',
    '  runtime: Nodejs99.1 # deliberate schema error, so diagnostics are never empty',
    '  region: ap-guangzhou',
    '  description: benchmark function',
    '  memorySize: 256',
    '  timeout: 30',
    '  tags:',
    '    team: bench',
    '  environment:',
    '    variables:',
  ];
  const budget = lines - out.length;
  const envCount = Math.floor(budget * 0.4);
  for (let i = 0; i < envCount; i++) out.push(`      VAR_${i}: value-${i} # note ${i}`);
  out.push('  events:');
  let t = 0;
  while (out.length + 9 <= lines) {
    if (t % 2 === 0) {
      out.push('    - timer:', '        parameters:', `          name: timer-${t}`, `          cronExpression: '0 */${(t % 59) + 1} * * * * *'`, '          enable: true');
    } else {
      out.push('    - apigw:', '        parameters:', `          serviceName: svc-${t}`, '          protocols: [http, https]', '          endpoints:', `            - path: /p${t}`, '              method: GET', `              description: endpoint ${t}`);
    }
    t++;
  }
  while (out.length < lines) out.push(`# padding ${out.length}`);
  const editLine = 18 + Math.floor(envCount / 2);
  return { text: out.join('\n') + '\n', editLine, editColumn: out[editLine]!.indexOf('value-') + 6 };
}
