// The capture decoder off the main thread. The page starts a worker from the
// bundle's own source (a Blob URL, so it works from file:// too) and talks to
// it with these messages.

import { Core } from "../../host/core/core.js";
import { decodeCapture, type Batch, type Sink } from "./capture.js";

export type ToWorker = { kind: "decode"; wasm: ArrayBuffer; file: ArrayBuffer };
export type FromWorker =
  | { kind: "batch"; batch: Batch }
  | { kind: "progress"; done: number; total: number }
  | { kind: "done"; count: number }
  | { kind: "error"; message: string };

interface WorkerScope {
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  postMessage(m: FromWorker, transfer?: Transferable[]): void;
}

export function runWorker(scope: WorkerScope): void {
  scope.onmessage = async (e) => {
    try {
      const core = await Core.load(e.data.wasm);
      const sink: Sink = {
        batch: (batch) => scope.postMessage({ kind: "batch", batch }, [batch.payloads]),
        progress: (done, total) => scope.postMessage({ kind: "progress", done, total }),
      };
      const count = await decodeCapture(core, new Uint8Array(e.data.file), sink, async () => {});
      scope.postMessage({ kind: "done", count });
    } catch (err) {
      scope.postMessage({ kind: "error", message: err instanceof Error ? err.message : String(err) });
    }
  };
}
