export const placeholderForInstallCheck = 1;
