// dependency-cruiser reads TypeScript imports (and tells type-only ones apart) through the
// TypeScript 5 compiler API, which TypeScript 7 (our type checker) no longer offers: hand it the
// typescript-5 package instead, both where it imports the compiler and where it reads its version.
// Preloaded only by `npm run lint:deps`.
import Module, { register } from 'node:module';

const fromCruiser = (parent) => (parent ?? '').includes('/node_modules/dependency-cruiser/');

register(
  'data:text/javascript,' +
    encodeURIComponent(`
export async function resolve(specifier, context, next) {
  const fromCruiser = (context.parentURL ?? '').includes('/node_modules/dependency-cruiser/');
  return next(fromCruiser && specifier === 'typescript' ? 'typescript-5' : specifier, context);
}`),
);

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  const redirected = request.startsWith('typescript/') && fromCruiser(parent?.filename) ? request.replace(/^typescript\//, 'typescript-5/') : request;
  return resolveFilename.call(this, redirected, parent, ...rest);
};
