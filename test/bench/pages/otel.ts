/**
 * otelSpan_ns: what users would use instead of the agent's spans, the
 * OpenTelemetry web tracer (WebTracerProvider, registered as a page
 * registers it) with a BatchSpanProcessor (its default settings) into an
 * InMemorySpanExporter. Per span: `startSpan` with the events' payload as
 * attributes, then `end()`; main-thread time inside the chunks / N.
 *
 * The in-memory exporter completes each export on a timer, and the
 * processor exports one batch (512) at a time: a tight stream of spans fills
 * its queue (2,048 by default) and the rest are dropped. So between chunks
 * of 2,000 spans, outside the clock, the page awaits forceFlush(), counts the
 * exported spans and releases them (memory stays flat); every span must reach
 * the exporter. Inside the clock: creating, ending and queueing each span,
 * and the processor's synchronous handoff of its first 512 to the exporter.
 * Left out: the exports that complete in forceFlush (an array push each), so
 * this figure is, if anything, low for OpenTelemetry.
 */
import { trace } from '@opentelemetry/api';
import { BatchSpanProcessor, InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { WebTracerProvider } from '@opentelemetry/sdk-trace-web';
import { chunked, param, runBench } from './common';

runBench(async () => {
  const n = param('n', 500_000);
  const chunk = param('chunk', 2_000);
  const warm = param('warm', 20_000);

  const exporter = new InMemorySpanExporter();
  const provider = new WebTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
  provider.register();
  const tracer = trace.getTracer('bench');

  let exported = 0;
  const collect = async () => {
    await provider.forceFlush();
    exported += exporter.getFinishedSpans().length;
    exporter.reset();
  };
  const spans = (from: number, to: number) => {
    for (let i = from; i < to; i++) tracer.startSpan('bench.tick', { attributes: { i, x: 1.5, name: 'npc' } }).end();
  };

  await chunked(warm, chunk, spans, collect); // warm-up
  await collect();
  if (exported !== warm) throw new Error(`OpenTelemetry exported ${exported} of ${warm} warm-up spans (dropped?)`);
  exported = 0;

  const busy = await chunked(n, chunk, spans, collect);
  await collect();
  if (exported !== n) throw new Error(`OpenTelemetry exported ${exported} of ${n} spans (dropped?)`);
  await provider.shutdown();
  return { figures: { otelSpan_ns: (busy * 1e6) / n }, info: { exported } };
});
