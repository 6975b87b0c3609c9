/** The release of relay, bridge and web app; one number, since they ship from one package. */
export const VERSION = "0.1.0";
