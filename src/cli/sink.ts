/**
 * Text written to a Node stream in chunks of ~64 KB, waiting for the stream
 * to drain when it is behind: the output of a million entries never piles
 * up in memory.
 */
import type { Writable } from 'node:stream';

const FLUSH_CHARS = 64 * 1024;

export class TextSink {
  private buf = '';
  constructor(private readonly out: Writable) {}

  /** Adds text; resolves at once unless the stream needs to drain. */
  async write(text: string): Promise<void> {
    this.buf += text;
    if (this.buf.length >= FLUSH_CHARS) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.buf.length === 0) return;
    const text = this.buf;
    this.buf = '';
    if (!this.out.write(text)) await new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        this.out.off('drain', done);
        this.out.off('error', done);
        if (err) reject(err);
        else resolve();
      };
      this.out.on('drain', done);
      this.out.on('error', done);
    });
  }

  /** Flushes what is left and ends the stream (not stdout, which stays open). */
  async end(): Promise<void> {
    await this.flush();
    if (this.out === process.stdout) return;
    await new Promise<void>((resolve, reject) => {
      this.out.on('error', reject);
      this.out.end(() => resolve());
    });
  }
}
