// PdfButton: a button that opens a document the server renders (a PDF) in a new tab.
import { Button, type ButtonProps } from '@mantine/core';
import type { ReactNode } from 'react';

export interface PdfButtonProps extends Omit<ButtonProps, 'children' | 'leftSection'> {
  /** The document's address under /api/v1. */
  href: string;
  /** The icon before the words. */
  icon: ReactNode;
  children: ReactNode;
  'data-testid'?: string;
}

/** PdfButton: a link styled as a button (default variant unless told otherwise), opening in a new tab. */
export function PdfButton({ href, icon, children, variant = 'default', ...button }: PdfButtonProps) {
  return (
    <Button component="a" href={href} target="_blank" variant={variant} leftSection={icon} {...button}>
      {children}
    </Button>
  );
}
