// The seed's first program: asyncio.sleep in a coroutine run by the event loop.
import { getEventLoop, sleep } from 'aiots';

async function hello() {
  console.log('Hello world!');
  await sleep(1); // 1 second, as asyncio.sleep(1)
  console.log('Hello again!');
}

const loop = getEventLoop();
await loop.runUntilComplete(hello());
loop.close();
