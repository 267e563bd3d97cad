/**
 * Reports for `scf-toolkit test`: human lines, JSON lines, and JUnit XML (the format CI systems read:
 * one <testsuite> per function, one <testcase> per test event).
 */
import { relative } from 'node:path';
import type { TestRun } from './runner';

export interface Summary {
  total: number;
  passed: number;
  failed: number;
  errored: number;
  durationMs: number;
}

export function summarize(runs: TestRun[], durationMs: number): Summary {
  return {
    total: runs.length,
    passed: runs.filter((r) => r.status === 'passed').length,
    failed: runs.filter((r) => r.status === 'failed').length,
    errored: runs.filter((r) => r.status === 'errored').length,
    durationMs,
  };
}

/** `✓ hello-fn › greet (12 ms)`, and for failures the reasons and the end of the log. */
export function humanLine(run: TestRun, cwd: string): string {
  const c = run.testCase;
  const mark = run.status === 'passed' ? 'PASS' : run.status === 'failed' ? 'FAIL' : 'ERROR';
  const head = `${mark}  ${c.spec.name} › ${c.event.name}  (${run.durationMs} ms)  ${relative(cwd, c.event.file) || c.event.file}`;
  if (run.status === 'passed') return head;
  const lines = [head, ...indent(run.message)];
  if (run.status === 'failed' && run.logs.length > 0) {
    const tail = run.logs.slice(-10).map((l) => l.text);
    lines.push('  log (last lines):', ...tail.map((t) => `    ${t}`));
  }
  return lines.join('\n');
}

export function humanSummary(s: Summary): string {
  const parts = [`${s.passed} passed`];
  if (s.failed) parts.push(`${s.failed} failed`);
  if (s.errored) parts.push(`${s.errored} errored`);
  return `\nTests: ${parts.join(', ')}, ${s.total} total (${(s.durationMs / 1000).toFixed(2)} s)`;
}

/** One JSON object for a finished test (a line of `--json` output). */
export function jsonRecord(run: TestRun): Record<string, unknown> {
  const c = run.testCase;
  const r = run.invokeResult;
  return {
    type: 'test',
    id: c.id,
    file: c.spec.file,
    function: c.spec.name,
    event: c.event.name,
    eventFile: c.event.file,
    expectFile: c.hasExpectation ? c.expectFile : null,
    status: run.status,
    durationMs: run.durationMs,
    statusCode: r?.statusCode ?? null,
    statusName: r?.statusName ?? null,
    result: r ? r.result : null,
    errorMessage: r?.errorMessage ?? null,
    requestId: r?.requestId ?? null,
    message: run.message,
    mismatches: run.report?.mismatches ?? [],
  };
}

export function junitXml(runs: TestRun[], summary: Summary, cwd: string): string {
  const suites = new Map<string, TestRun[]>();
  for (const run of runs) {
    const key = `${run.testCase.spec.file}#${run.testCase.spec.name}`;
    const list = suites.get(key) ?? [];
    list.push(run);
    suites.set(key, list);
  }
  const seconds = (ms: number) => (ms / 1000).toFixed(3);
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(
    `<testsuites name="scf-toolkit test" tests="${summary.total}" failures="${summary.failed}" errors="${summary.errored}" time="${seconds(summary.durationMs)}">`,
  );
  for (const list of suites.values()) {
    const spec = list[0]!.testCase.spec;
    const file = relative(cwd, spec.file) || spec.file;
    const failures = list.filter((r) => r.status === 'failed').length;
    const errors = list.filter((r) => r.status === 'errored').length;
    const time = list.reduce((t, r) => t + r.durationMs, 0);
    out.push(
      `  <testsuite name="${attr(`${spec.name} (${file})`)}" tests="${list.length}" failures="${failures}" errors="${errors}" skipped="0" time="${seconds(time)}">`,
    );
    for (const run of list) {
      const c = run.testCase;
      out.push(
        `    <testcase classname="${attr(spec.name)}" name="${attr(c.event.name)}" file="${attr(relative(cwd, c.event.file) || c.event.file)}" time="${seconds(run.durationMs)}">`,
      );
      if (run.status === 'failed') {
        out.push(`      <failure type="expectation" message="${attr(firstLine(run.message))}">${text(run.message)}</failure>`);
      } else if (run.status === 'errored') {
        out.push(`      <error type="error" message="${attr(firstLine(run.message))}">${text(run.message)}</error>`);
      }
      if (run.logs.length > 0) out.push(`      <system-out>${text(run.logs.map((l) => l.text).join('\n'))}</system-out>`);
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}

function indent(text: string): string[] {
  return text.split('\n').map((l) => (l === '' ? '' : `  ${l}`));
}

function firstLine(s: string): string {
  const line = s.split('\n').find((l) => l.trim() !== '') ?? '';
  return line.replace(/^- /, '');
}

/** Characters XML 1.0 cannot hold at all (control characters other than tab, LF, CR). */
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

function text(s: string): string {
  return s.replace(INVALID_XML, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}
