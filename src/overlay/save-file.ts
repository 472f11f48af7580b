/** Saves text parts as a file through a temporary object URL and a download link. */
export function saveFile(name: string, parts: BlobPart[], type = 'application/json'): void {
  const url = URL.createObjectURL(new Blob(parts, { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.documentElement.appendChild(a);
  a.click();
  a.remove();
  // The download has started from the URL by now; give slow browsers a minute.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
