// The shape of the JSON the core's `inspect` export writes (documented in
// assembly/inspect/inspect.ts). Types only: shared by the CLI's decode
// command, the browser inspector and the tests.

export interface InspectError {
  off: number;
  len: number;
  error: string;
}

export interface InspectMsg {
  type?: number;
  name?: string;
  off: number;
  len: number;
  xid?: number;
  hop?: number;
  link?: string;
  peer?: string;
  options: InspectOption[];
  errors: InspectError[];
}

export interface InspectOption {
  code: number;
  name: string;
  rfc?: string;
  off: number;
  len: number;
  fields: Record<string, unknown>;
  options?: InspectOption[];
  msg?: InspectMsg;
  errors?: InspectError[];
}

export interface InspectResult {
  msg: InspectMsg;
  truncated?: boolean;
}
