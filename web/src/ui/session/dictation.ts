import { useRef, useState } from "preact/hooks";

/**
 * Dictation into the composer with the browser's own speech recognition (Chrome on Android has
 * it; where none exists the microphone button is not shown and the keyboard's dictation remains).
 * Only the recognised text is used: it goes into the box like typing, so the draft keeps it.
 */

/** The little of the Web Speech API this uses (its types are not in TypeScript's DOM library). */
type Alternative = { transcript: string };
type Result = { readonly isFinal: boolean; readonly length: number; [i: number]: Alternative };
type ResultEvent = { results: { readonly length: number; [i: number]: Result } };
type Recognizer = {
  continuous: boolean;
  interimResults: boolean;
  lang: string;
  onresult: ((e: ResultEvent) => void) | null;
  onerror: ((e: { error: string }) => void) | null;
  onend: (() => void) | null;
  start(): void;
  stop(): void;
};
type RecognizerClass = new () => Recognizer;

const AUTO_SEND_KEY = "tether.dictation.autoSend";

export function recognizerClass(): RecognizerClass | null {
  const w = window as unknown as {
    SpeechRecognition?: RecognizerClass;
    webkitSpeechRecognition?: RecognizerClass;
  };
  return w.SpeechRecognition ?? w.webkitSpeechRecognition ?? null;
}

export type Dictation = {
  available: boolean;
  listening: boolean;
  autoSend: boolean;
  error: string | null;
  toggle(): void;
  setAutoSend(on: boolean): void;
};

/**
 * `text()` is the box's text when listening starts; `show` gets that text with the words heard so
 * far; `done` gets the final text when the person stops talking and auto-send is on.
 */
export function useDictation(o: {
  text(): string;
  show(text: string): void;
  done(text: string): void;
}): Dictation {
  const [listening, setListening] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [autoSend, setAuto] = useState(() => localStorage.getItem(AUTO_SEND_KEY) === "1");
  const active = useRef<Recognizer | null>(null);
  const Class = recognizerClass();

  const start = () => {
    if (!Class) return;
    const r = new Class();
    const base = o.text().trimEnd();
    let heard = "";
    r.continuous = true;
    r.interimResults = true;
    r.lang = navigator.language;
    r.onresult = (e) => {
      heard = transcript(e);
      o.show(joined(base, heard));
    };
    r.onerror = (e) => {
      // Silence is not an error worth a message; a refused microphone is.
      if (e.error !== "no-speech" && e.error !== "aborted") setError(dictationError(e.error));
    };
    r.onend = () => {
      active.current = null;
      setListening(false);
      if (localStorage.getItem(AUTO_SEND_KEY) === "1" && heard.trim() !== "") o.done(joined(base, heard));
    };
    setError(null);
    active.current = r;
    setListening(true);
    r.start();
  };
  return {
    available: Class !== null,
    listening,
    autoSend,
    error,
    toggle: () => (active.current ? active.current.stop() : start()),
    setAutoSend: (on) => {
      if (on) localStorage.setItem(AUTO_SEND_KEY, "1");
      else localStorage.removeItem(AUTO_SEND_KEY);
      setAuto(on);
    },
  };
}

/** Every result so far, final and interim, in order: the words as they come. */
function transcript(e: ResultEvent): string {
  let out = "";
  for (let i = 0; i < e.results.length; i++) out += e.results[i]?.[0]?.transcript ?? "";
  return out.trim();
}

function joined(base: string, heard: string): string {
  return base === "" ? heard : `${base} ${heard}`;
}

function dictationError(code: string): string {
  if (code === "not-allowed" || code === "service-not-allowed")
    return "The microphone is not allowed for this site.";
  if (code === "audio-capture") return "No microphone was found.";
  if (code === "network") return "Dictation needs the network on this phone.";
  return `Dictation stopped (${code}).`;
}
