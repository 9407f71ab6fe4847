'use client';
// The home page: a client component that navigates with router.push.
import { useRouter } from 'next/navigation';

export default function Home() {
  const router = useRouter();
  return (
    <main>
      <h1>Product</h1>
      <button type="button" id="to-search" onClick={() => router.push('/search')}>
        Search the docs
      </button>
    </main>
  );
}
