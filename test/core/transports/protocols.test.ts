// The protocol base classes, as CPython's test_asyncio/test_protocols.py
// checks them: every callback exists and does nothing by default.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BaseProtocol, BufferedProtocol, DatagramProtocol, Protocol, type DatagramTransport, type Transport } from '../../../src/index.js';

const transport = {} as Transport;

test('BaseProtocol: connectionMade, connectionLost, pauseWriting, resumeWriting do nothing', () => {
  const p = new BaseProtocol();
  assert.equal(p.connectionMade(transport), undefined);
  assert.equal(p.connectionLost(null), undefined);
  assert.equal(p.connectionLost(new Error('x')), undefined);
  assert.equal(p.pauseWriting(), undefined);
  assert.equal(p.resumeWriting(), undefined);
});

test('Protocol: dataReceived does nothing, eofReceived returns a falsy value (close the transport)', () => {
  const p = new Protocol();
  assert.ok(p instanceof BaseProtocol);
  assert.equal(p.dataReceived(Buffer.from('x')), undefined);
  assert.ok(!p.eofReceived());
  assert.equal(p.connectionMade(transport), undefined);
});

test('BufferedProtocol: getBuffer must be overridden, bufferUpdated and eofReceived have defaults', () => {
  const p = new BufferedProtocol();
  assert.ok(p instanceof BaseProtocol);
  assert.throws(() => p.getBuffer(100), TypeError);
  assert.equal(p.bufferUpdated(10), undefined);
  assert.ok(!p.eofReceived());
});

test('DatagramProtocol: datagramReceived and errorReceived do nothing', () => {
  const p = new DatagramProtocol();
  assert.ok(p instanceof BaseProtocol);
  assert.equal(p.datagramReceived(Buffer.from('x'), ['127.0.0.1', 9]), undefined);
  assert.equal(p.errorReceived(new Error('x')), undefined);
  assert.equal(p.connectionMade({} as DatagramTransport), undefined);
});
