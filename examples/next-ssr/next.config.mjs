// `npx next build examples/next-ssr && npx next start examples/next-ssr`.
// `npm run typecheck` type-checks this example with the others; ESLint is not part of this repository.
export default {
  eslint: { ignoreDuringBuilds: true },
  typescript: { ignoreBuildErrors: true },
};
