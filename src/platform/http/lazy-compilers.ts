import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';

/**
 * Route schemas are compiled on first use instead of at start-up: with some 150 operations,
 * compiling every response serializer and request validator up front was the largest part of
 * a start (and so of the time to /readyz after a crash). `precompileAll()` compiles whatever is
 * still pending, so a test can prove every schema compiles.
 */
const pending = new Set<() => void>();

export function precompileAll(): number {
  const n = pending.size;
  for (const compile of [...pending]) compile();
  return n;
}

import type { FastifyValidationResult } from 'fastify/types/schema.js';

type Validate = FastifyValidationResult;

export function lazyValidator(compile: () => unknown): Validate {
  let fn: Validate | undefined;
  const force = () => {
    fn ??= compile() as Validate;
    pending.delete(force);
    return fn;
  };
  pending.add(force);
  const validate: Validate = (data) => {
    const real = fn ?? force();
    const result = real(data) as boolean;
    // Fastify reads the errors from the function it was given.
    validate.errors = real.errors;
    return result;
  };
  return validate;
}

type SerializerFactory = ReturnType<typeof SerializerSelector>;

/** Fastify's own serializer (fast-json-stringify), built per route on its first response. */
export const lazySerializerFactory: SerializerFactory = (externalSchemas, options) => {
  const build = SerializerSelector()(externalSchemas, options);
  return (route) => {
    let fn: ((data: unknown) => string) | undefined;
    const force = () => {
      fn ??= build(route) as (data: unknown) => string;
      pending.delete(force);
      return fn;
    };
    pending.add(force);
    return (data: unknown) => (fn ?? force())(data);
  };
};
