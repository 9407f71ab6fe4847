'use client';
// Search as you type: every keystroke puts the query in the URL with
// router.replace (history.replaceState), so a reload or a shared link keeps it.
// That is one page view, /search, not one per keystroke.
import { useRouter } from 'next/navigation';
import { useState } from 'react';

export default function Search() {
  const router = useRouter();
  const [q, setQ] = useState('');
  return (
    <main>
      <h1>Search</h1>
      <input
        aria-label="Search"
        value={q}
        onChange={(e) => {
          setQ(e.target.value);
          router.replace('/search?q=' + encodeURIComponent(e.target.value), { scroll: false });
        }}
      />
    </main>
  );
}
