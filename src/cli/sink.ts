/**
 * Text written to a Node stream in chunks of ~64 KB, waiting for the stream
 * to drain when it is behind: the output of a million entries never piles
 * up in memory. The stream's error (a file that cannot be opened, a full
 * disk) is listened to from the start and rejects the next write or the end,
 * never thrown uncaught.
 */
import type { Writable } from 'node:stream';

const FLUSH_CHARS = 64 * 1024;

export class TextSink {
  private buf = '';
  private failure: Error | null = null;
  private readonly onError = (err: Error) => {
    this.failure ??= err;
  };

  constructor(private readonly out: Writable) {
    out.on('error', this.onError);
  }

  /** Adds text; resolves at once unless the stream needs to drain. */
  async write(text: string): Promise<void> {
    if (this.failure) throw this.failure;
    this.buf += text;
    if (this.buf.length >= FLUSH_CHARS) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.buf.length === 0) return;
    const text = this.buf;
    this.buf = '';
    if (!this.out.write(text)) await this.settled('drain');
  }

  /** Flushes what is left and ends the stream (not stdout, which stays open). */
  async end(): Promise<void> {
    try {
      await this.flush();
      if (this.out === process.stdout) return;
      const finished = this.settled('finish');
      this.out.end();
      await finished;
    } finally {
      this.out.off('error', this.onError);
    }
  }

  /** Resolves on the stream's `event`, rejects on its error (one already seen included). */
  private settled(event: 'drain' | 'finish'): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      const done = (err?: Error) => {
        this.out.off(event, done);
        this.out.off('error', done);
        if (err) reject(err);
        else resolve();
      };
      this.out.on(event, done);
      this.out.on('error', done);
    });
  }
}
