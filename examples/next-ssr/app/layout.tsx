// The root layout (App Router): a server component around every page.
import Link from 'next/link';
import type { ReactNode } from 'react';
import { Leadbeam } from './leadbeam';

export const metadata = { title: 'leadbeam on Next.js' };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <nav>
          <Link href="/">Home</Link> <Link href="/pricing">Pricing</Link> <Link href="/search">Search</Link>
        </nav>
        {children}
        <Leadbeam />
      </body>
    </html>
  );
}
