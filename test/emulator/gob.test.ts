import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GobDecoder, GobEncoder, type GobStruct } from '../../src/emulator/runtimes/gob';

// The example of encoding/gob's own documentation: type Point struct{X, Y int}; Point{22, 33}.
const POINT: GobStruct = { kind: 'struct', name: 'Point', fields: [['X', 'int'], ['Y', 'int']] };
const POINT_BYTES = Buffer.from(
  '1fff810301010550 6f696e7401ff8200 0102010158010400 010159010400 0000 07ff82012c014200'.replace(/\s/g, ''),
  'hex',
);

describe('gob, as encoding/gob writes and reads it', () => {
  test("the encoder writes the documentation's example byte for byte; a second value sends no type again", () => {
    const encoder = new GobEncoder();
    assert.equal(encoder.encode(POINT, { X: 22, Y: 33 }).toString('hex'), POINT_BYTES.toString('hex'));
    assert.equal(encoder.encode(POINT, { X: 22, Y: 33 }).toString('hex'), '07ff82012c014200');
  });

  test("the decoder reads the documentation's example, fed one byte at a time", () => {
    const decoder = new GobDecoder();
    const values: unknown[] = [];
    for (const byte of POINT_BYTES) values.push(...decoder.push(Buffer.from([byte])));
    assert.deepEqual(values, [{ X: 22, Y: 33 }]);
  });

  test('round trip: nested structs, slices, bytes, strings, negative and large numbers, floats, booleans; zero fields left out', () => {
    const frame: GobStruct = { kind: 'struct', name: 'Frame', fields: [['Path', 'string'], ['Line', 'int']] };
    const type: GobStruct = {
      kind: 'struct',
      name: 'Everything',
      fields: [
        ['Payload', 'bytes'],
        ['Name', 'string'],
        ['Small', 'int'],
        ['Big', 'int'],
        ['Count', 'uint'],
        ['Ratio', 'float'],
        ['Flag', 'bool'],
        ['Frames', { kind: 'slice', elem: frame }],
        ['Inner', frame],
        ['Empty', 'string'],
      ],
    };
    const value = {
      Payload: Buffer.from('{"a":"é"}'),
      Name: '中文',
      Small: -3,
      Big: 1_700_000_000_123,
      Count: 300,
      Ratio: -1.5,
      Flag: true,
      Frames: [{ Path: 'main.go', Line: 26 }, { Path: 'x.go', Line: 1 }],
      Inner: { Path: 'p', Line: 0 },
      Empty: '',
    };
    const decoder = new GobDecoder();
    const encoder = new GobEncoder();
    const [decoded] = decoder.push(encoder.encode(type, value));
    const { Empty: _empty, ...sent } = value;
    assert.deepEqual(decoded, { ...sent, Inner: { Path: 'p' } });
    assert.deepEqual(decoder.push(encoder.encode(type, { Flag: false })), [{}]);
  });
});
