// as-pect (AssemblyScript unit tests): `npm run test:core`, i.e.
// `npx asp --config as-pect.config.js`. The compiler options are in
// as-pect.asconfig.json: the stub runtime as in asconfig.json (nothing is
// freed, so a spec can see an allocation), but without `use: abort=`, so that
// a failed expectation reports its message instead of trapping.
export default {
  /** The specs, one compilation (and one wasm instance) each. */
  entries: ["tests/assembly/**/*.spec.ts"],
  /** Files added to every compilation: none (helpers are imported). */
  include: [],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    return instantiate(binary, createImports({ env: { memory } }));
  },
  outputBinary: false,
};
